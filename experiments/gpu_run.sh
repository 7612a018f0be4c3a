#!/usr/bin/env bash
# The lent-GPU run of experiments/paper.py, as it was executed: data and the Inception file arrive in
# /tmp/stage in parts (the transfer limit is 64 MiB per call), are verified, then the whole study runs.
# Usage there: bash experiments/gpu_run.sh MINUTES_OF_TRAINING
set -euo pipefail
minutes=${1:-4.5}
cd "$(dirname "$0")/.."
S=/tmp/stage
(cd $S && sha256sum -c SHA256SUMS --quiet) || { echo "staged parts missing or corrupt"; ls -la $S; exit 3; }
mkdir -p $S/data
[ -f $S/default_1.pt ] || cat $S/inception.part* > $S/default_1.pt
[ -f $S/data/anime-faces-64.zip ] || cat $S/anime.part* > $S/data/anime-faces-64.zip
cp -n $S/*-ubyte.gz $S/data/ 2>/dev/null || true
(cd $S && sha256sum -c WHOLE.SHA256 --quiet) || { echo "reassembled files differ from the originals"; exit 4; }
export SPINDCGAN_DATA=$S/data SPINDCGAN_INCEPTION=$S/default_1.pt SPINDCGAN_CACHE=/tmp/cache PYTHONPATH=$PWD/src
export PYTHONUNBUFFERED=1
python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))"
set +e  # whatever happens, pack what there is
python3 experiments/paper.py --out /tmp/paper --results /tmp/results --device cuda --epochs 30 --time-limit "$minutes" 2>&1 \
  | grep --line-buffered -v -i warning | tee /tmp/paper.log
# what comes back: small files of every run, and the evaluated generators of the main runs
tar czf "$OUT/results.tar.gz" -C /tmp results  # measure.py's records: unpack into results/gpu-<date>
cd /tmp/paper
tar czf "$OUT/runs.tar.gz" --exclude=checkpoint.pt */
for run in fmnist-hw6-s0 fmnist-hw6-s1 fmnist-float-s0 anime-hw6-s0 anime-float-s0; do
  python3 - "$run" <<'PY'
import sys, glob, torch, os
run = sys.argv[1]
path = sorted(glob.glob(f"/tmp/paper/{run}/0*/checkpoint.pt"))[-1]
state = torch.load(path, map_location="cpu", weights_only=False)
keep = {"config": state["config"], "step": state["step"], "generator": state.get("generator_ema", state["generator"])}
torch.save(keep, os.path.join(os.environ["OUT"], f"g-{run}.pt"))
PY
done
cp /tmp/paper.log "$OUT/paper.log"
ls -la "$OUT"
