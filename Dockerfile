# baton-setup in a container, for the upload container of
# `baton-setup generate --target kubernetes` (and the built-in demo
# connector). A static binary on distroless, running as a non-root user.
#
#   docker build -t REGISTRY/baton-setup:TAG --build-arg VERSION=TAG .
#
# Build stage: CGO_ENABLED=0, so the binary needs no libc.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Both programs: baton-setup runs baton-setup-sdk (the demo connector and
# the sync-file reader that upload checks with) from its own directory.
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/conductorone/baton-setup/internal/cli.version=${VERSION} -X main.version=${VERSION}" \
    -o /out/ ./cmd/baton-setup ./cmd/baton-setup-sdk

# Run stage: no shell and no package manager; CA certificates for HTTPS to S3.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/baton-setup /out/baton-setup-sdk /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/baton-setup"]
