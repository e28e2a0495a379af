FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY .ci/constraints.txt ./constraints.txt
COPY schemas ./schemas
COPY vtn ./vtn
RUN pip install --no-cache-dir -c constraints.txt . && useradd --system vtn
USER vtn
EXPOSE 8080
CMD ["vtn", "serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "4"]
