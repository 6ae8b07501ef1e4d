"""The reference central registry (FastAPI under uvicorn)."""
