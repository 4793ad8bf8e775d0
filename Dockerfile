# Production image: one stateless API process per container; PostgreSQL, Redis and S3 are external.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BASALT_ENV=production HOST=0.0.0.0 PORT=8000
COPY pyproject.toml README.md ./
COPY graphql_api graphql_api
COPY schema schema
COPY resolvers resolvers
COPY models models
COPY rest_compat rest_compat
RUN pip install --no-cache-dir . && useradd --system --uid 10001 basalt
USER basalt
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready').status != 200)"
CMD ["basalt", "serve"]
