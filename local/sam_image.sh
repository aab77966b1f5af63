#!/bin/sh
# Builds a python3.12 x86_64 Lambda invoke image locally, for `sam local` where public.ecr.aws cannot be reached:
# a Debian bookworm minbase root filesystem, a Python 3.12 copied in (bookworm's own is 3.11), awslambdaric and
# boto3 (which Lambda's runtime provides), and /var/runtime/bootstrap, the file SAM's emulator starts.
# With registry access none of this is needed: SAM pulls public.ecr.aws/lambda/python:3.12-x86_64 itself.
#
#   local/sam_image.sh [IMAGE]     (root, Docker, debootstrap; PYTHON312=/path/to/bin/python3.12)
set -eu

IMAGE=${1:-fhir-imaging/lambda-python3.12:x86_64}
PYTHON312=${PYTHON312:-$(command -v python3.12 || true)}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOT=${SAM_IMAGE_ROOTFS:-.sam-local/rootfs}
BOTO3=boto3==1.44.8 # the dev pin (pyproject.toml), close to what the Lambda runtime ships
RIC=awslambdaric==3.1.1

command -v docker >/dev/null || { echo "sam_image: docker is not installed" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "sam_image: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
# The python3.12 pyenv shim exits 127 unless its version is selected: ask the interpreter where it really is.
PYTHON312=$("$PYTHON312" -c 'import sys; print(sys.executable)' 2>/dev/null) \
  || { echo "sam_image: no working python3.12 (set PYTHON312=/path/to/python3.12)" >&2; exit 1; }
PREFIX=$("$PYTHON312" -c 'import sys; print(sys.base_prefix)')

if [ ! -x "$ROOT/bin/sh" ]; then
  rm -rf "$ROOT"
  mkdir -p "$ROOT"
  debootstrap --variant=minbase \
    --include=ca-certificates,libssl3,libffi8,libsqlite3-0,libbz2-1.0,liblzma5,zlib1g,libexpat1,libuuid1,libncursesw6,libreadline8 \
    bookworm "$ROOT" "$MIRROR"
  rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
fi

# /var/lang, as in Lambda's images; the interpreter finds its libpython through LD_LIBRARY_PATH below.
rm -rf "$ROOT/var/lang" "$ROOT/var/runtime"
mkdir -p "$ROOT/var/lang" "$ROOT/var/runtime" "$ROOT/var/task" "$ROOT/opt"
(cd "$PREFIX" && tar -c --exclude=lib/python3.12/test --exclude=lib/python3.12/site-packages \
   --exclude=lib/python3.12/idlelib --exclude=lib/python3.12/tkinter --exclude=__pycache__ bin lib include) \
  | tar -x -C "$ROOT/var/lang"
mkdir -p "$ROOT/var/lang/lib/python3.12/site-packages"
"$PYTHON312" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-compile --target "$ROOT/var/runtime" \
  --platform manylinux2014_x86_64 --implementation cp --python-version 3.12 --only-binary=:all: "$RIC" "$BOTO3"
rm -rf "$ROOT/var/runtime/bin"

cat > "$ROOT/var/runtime/bootstrap" <<'EOF'
#!/bin/sh
# Started by the runtime interface emulator; the handler arrives as $_HANDLER, as in Lambda.
cd "${LAMBDA_TASK_ROOT:-/var/task}"
exec /var/lang/bin/python3.12 -m awslambdaric "$_HANDLER"
EOF
chmod 755 "$ROOT/var/runtime/bootstrap"

# sys.path as in Lambda: the function, then the layers (/opt/python), then the runtime's boto3 and awslambdaric.
tar -C "$ROOT" -c . | docker import \
  --change 'ENV LANG=C.UTF-8 TZ=:/etc/localtime LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime' \
  --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/task:/opt/lib' \
  --change 'ENV PYTHONPATH=/var/task:/opt/python:/var/runtime PYTHONDONTWRITEBYTECODE=1' \
  --change 'WORKDIR /var/task' \
  --change 'ENTRYPOINT ["/var/runtime/bootstrap"]' \
  - "$IMAGE" >/dev/null
echo "$IMAGE"
