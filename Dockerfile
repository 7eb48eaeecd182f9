# baton-setup in a container, for the upload container of
# `baton-setup generate --target kubernetes` (and the built-in demo
# connector). A static binary on distroless, running as a non-root user.
#
#   docker build -t REGISTRY/baton-setup:TAG --build-arg VERSION=TAG .
#
# Or from a static binary built outside, without the Go image:
#
#   CGO_ENABLED=0 go build -o bin/ ./cmd/baton-setup
#   docker build -t REGISTRY/baton-setup:TAG --build-arg BINARY=prebuilt .
#
# BASE replaces the run stage's image; it needs CA certificates for HTTPS
# to S3 and a writable /tmp.
ARG BINARY=source
ARG BASE=gcr.io/distroless/static-debian12:nonroot

# Build stage: CGO_ENABLED=0, so the binary needs no libc.
FROM golang:1.26 AS source
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/conductorone/baton-setup/internal/cli.version=${VERSION}" \
    -o /out/ ./cmd/baton-setup

# The binary from the build context instead (BINARY=prebuilt).
FROM scratch AS prebuilt
COPY bin/baton-setup /out/

FROM ${BINARY} AS binary

# Run stage: no shell and no package manager; CA certificates for HTTPS to S3.
FROM ${BASE}
COPY --from=binary /out/baton-setup /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/baton-setup"]
