# The explorer image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph graph
COPY loaders loaders
COPY explorer explorer
COPY cli cli
RUN pip install --no-cache-dir .
EXPOSE 8501
CMD ["lineage", "explore", "--host", "0.0.0.0", "--port", "8501"]
