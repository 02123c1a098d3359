#!/usr/bin/env bash
# Add an "IMU2Safety" launcher to the desktop menu, pointing at this checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${XDG_DATA_HOME:-$HOME/.local/share}/applications
mkdir -p "$dest"
sed "s|@EXEC@|$root/.venv/bin/imu2safety|" "$root/packaging/linux/imu2safety.desktop" > "$dest/imu2safety.desktop"
echo "installed $dest/imu2safety.desktop"
