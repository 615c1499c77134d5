"""Speech IVR: flow files, a deterministic flow runner that simulates callers, and flow testing."""
