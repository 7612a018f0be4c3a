#!/usr/bin/env bash
# Prepare the data and the Inception file for experiments/gpu_run.sh on a lent GPU machine, whose calls
# carry at most 64 MiB each: four git-ignored folders .stage1 .. .stage4 (each < 64 MiB) with checksums.
# Then, back to back (the machine stays warm 30 s between calls):
#   run: mkdir -p /tmp/stage && cp .stage1/* /tmp/stage/   carry [.stage1]
#   run: cp .stage2/* /tmp/stage/                          carry [.stage2]
#   run: cp .stage3/* /tmp/stage/                          carry [.stage3]
#   run: cp .stage4/* /tmp/stage/ && bash experiments/gpu_run.sh MINUTES   carry [.stage4]
set -euo pipefail
cd "$(dirname "$0")/.."
INC=$(python3 -c "from spindcgan.metrics.inception import inception_path; print(inception_path())")
FM=${SPINDCGAN_FASHION:-/usr/share/datasets/fashion-mnist}
AN=${SPINDCGAN_ANIME:-../shared/data/anime-faces-64.zip}
tmp=$(mktemp -d)
for d in .stage1 .stage2 .stage3 .stage4; do
  grep -qx "/$d/" .git/info/exclude || echo "/$d/" >> .git/info/exclude
  rm -rf "$d"; mkdir "$d"
done
split -n 2 -d "$INC" "$tmp/inception.part"
split -n 2 -d "$AN" "$tmp/anime.part"
mv "$tmp/inception.part00" .stage1/; cp "$FM"/t10k-* "$FM"/train-labels-idx1-ubyte.gz .stage1/
mv "$tmp/inception.part01" .stage2/
cp "$FM"/train-images-idx3-ubyte.gz .stage3/; mv "$tmp/anime.part00" .stage3/
mv "$tmp/anime.part01" .stage4/
(for d in .stage1 .stage2 .stage3 .stage4; do (cd "$d" && sha256sum -- *); done) > "$tmp/SHA256SUMS"
{ sha256sum "$INC" | sed 's#  .*#  default_1.pt#'; sha256sum "$AN" | sed 's#  .*#  data/anime-faces-64.zip#'; } \
  > "$tmp/WHOLE.SHA256"
mv "$tmp/SHA256SUMS" "$tmp/WHOLE.SHA256" .stage4/
rmdir "$tmp"
du -sh .stage*
