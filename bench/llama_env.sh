# llama_env.sh: sourced by the llama_bench scripts after setting `here` (the
# bench folder) and `name` (the script's name for messages), with the
# script's arguments. Sets bin to llama_bench (the first argument, or the
# first build folder's) and py to Debian's python3; exits 2 without one.
bin=${1:-}
if [ -z "$bin" ]; then
	for d in "$here"/../build*/bench; do
		[ -x "$d/llama_bench" ] && bin="$d/llama_bench" && break
	done
fi
[ -x "$bin" ] ||
	{ echo "$name: llama_bench not found (ninja -C BUILD bench/llama_bench)" >&2; exit 2; }
py=/usr/bin/python3
