"""What a model is on the hardware, in words and tables: its per-layer crossbar mapping (``mapping``), how a
trained generator's weights use the synapse states (``usage``) and the modelled hardware in one line
(``hardware``). Above the layers and models it describes, below the commands that print it."""
