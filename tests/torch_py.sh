# torch_py.sh: sourced by the tests that check against PyTorch. Sets py to
# a python3 that imports torch (Debian's /usr/bin/python3 first: python3 on
# PATH may be another Python, e.g. pyenv's), or skips the test (exit 77).
py=""
for cand in /usr/bin/python3 python3; do
	if "$cand" -c 'import torch' >/dev/null 2>&1; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	echo "SKIP: no python3 with torch (apt-get install python3-torch)"
	exit 77
fi
