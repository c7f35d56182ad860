# blas_env.sh: sourced by the benchmark scripts. OpenBLAS's runtime CPU
# detection falls back to its generic (Prescott) kernels on virtual machines
# that report a generic CPU model, which runs sgemm ~10x slower; unless the
# caller chose, pick the kernels from the instruction set. Set
# OPENBLAS_CORETYPE yourself to override (for example to compare).
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
	blas_flags=$(grep -m1 '^flags' /proc/cpuinfo)
	case "$blas_flags" in
	*avx512_bf16*) OPENBLAS_CORETYPE=Cooperlake ;;
	*avx512f*) OPENBLAS_CORETYPE=SkylakeX ;;
	*avx2*) OPENBLAS_CORETYPE=Haswell ;;
	esac
	[ -n "${OPENBLAS_CORETYPE:-}" ] && export OPENBLAS_CORETYPE
fi
