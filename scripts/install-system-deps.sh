#!/usr/bin/env bash
# Debian/Ubuntu packages the terminal and its tests use: PC/SC daemon with the
# virtual reader driver, socat for serial pty pairs, Xvfb and the X/GL libraries
# Qt needs, CJK fonts for vouchers and screens, poppler for PDF→PNG checks,
# PostgreSQL's pgbench for the benchmark.
set -euo pipefail
PKGS="pcscd vsmartcard-vpcd libpcsclite-dev swig socat xvfb xauth fonts-noto-cjk
      poppler-utils poppler-data libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
      libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
      libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0
      postgresql-client"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
