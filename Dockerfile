# The bot's image, for compose.yaml. Python 3.11, the package and its compiled catalogs.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY bot bot
COPY handlers handlers
COPY storage storage
COPY locales locales
COPY content content
RUN pip install --no-cache-dir . \
    && pybabel compile -d locales -D messages \
    && useradd --create-home bot && mkdir -p /data && chown bot /data
USER bot
ENTRYPOINT ["python", "-m", "bot"]
