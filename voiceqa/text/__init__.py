"""Chinese text utilities shared by ASR post-processing, scoring and the IVR."""
