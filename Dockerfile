FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
RUN useradd --create-home --uid 1000 tierline \
    && mkdir -p /var/lib/celery && chown tierline /var/lib/celery

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic only reads the installed packages and static/, so a
# throwaway key and the base settings are enough at build time.
RUN DEBUG=true DJANGO_SETTINGS_MODULE=config.settings.base python manage.py collectstatic --no-input \
    && chown -R tierline /app

USER tierline
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
