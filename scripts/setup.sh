#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what btctrace needs on a fresh Debian 12 machine, then builds
# build/btctrace and build/btcsim.  Run as root (apt-get and BPF need it).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
	cmake make gcc g++ pkg-config clang-14 libclang-rt-14-dev
	llvm-dev llvm-19-dev libbpf-dev libelf-dev libdw-dev zlib1g-dev libzstd-dev libbz2-dev
	flex bison libreadline-dev systemtap-sdt-dev libmicrohttpd-dev
	bpftrace jq bc binutils strace prometheus curl python3 tmux
	scdoc man-db bash-completion
	debhelper dpkg-dev fakeroot lintian
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
