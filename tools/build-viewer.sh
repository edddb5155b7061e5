#!/usr/bin/env bash
# Rebuilds the image viewer (ImagePortal.Web/viewer-src) into ImagePortal.Web/wwwroot/viewer, the files the portal serves.
# Only this script needs Node.js (20 or newer) and npm: the built files are committed, so `dotnet build` and `dotnet run`
# do not. `npm ci` installs exactly what package-lock.json names; commit wwwroot/viewer after a rebuild.
set -euo pipefail
cd "$(dirname "$0")/../ImagePortal.Web/viewer-src"
npm ci --no-audit --no-fund
node build.mjs
