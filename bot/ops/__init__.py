"""Operations: health and Prometheus metrics (bot/ops/server.py, bot/ops/metrics.py)."""
