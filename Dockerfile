# PagerBridge for teams that self-host: one image for the web, worker, scheduler and release processes.
# Front-end assets come from the npm registry at build time; Python packages from the lock (requirements.txt).
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/vendor-assets.js scripts/
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PAGERBRIDGE_ENV=production PORT=5000
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY wsgi.py pyproject.toml ./
COPY webapp webapp
COPY jobs jobs
COPY migrations migrations
COPY templates templates
COPY static static
COPY --from=assets /src/static/vendor static/vendor
RUN useradd --system --uid 10001 pagerbridge && mkdir -p instance && chown pagerbridge instance
USER pagerbridge
EXPOSE 5000
# The Procfile's web process; compose.yaml runs the worker, scheduler and release from the same image.
CMD ["sh", "-c", "exec gunicorn wsgi:app --workers ${WEB_CONCURRENCY:-2} --threads 4 --bind 0.0.0.0:${PORT}"]
