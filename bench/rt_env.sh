# rt_env.sh: sourced by the training benchmarks. With RT=1 in the
# environment, sets `rt` to a command prefix that runs a program under the
# real-time policy (`chrt -f 10`, root only), so that other jobs on a shared
# machine do not take the CPUs from the runs' threads: two threads that meet
# at every kernel's barrier are stretched by any other runnable process, at
# any nice level. Linux keeps 5% of each second for other tasks
# (sched_rt_runtime_us), so times are at most ~5% above a dedicated
# machine's. Results are the same bits either way. Otherwise `rt` is empty.
rt=""
if [ "${RT:-0}" = 1 ]; then
	chrt -f 10 true 2>/dev/null ||
		{ echo "$(basename "$0"): RT=1 needs chrt and the right to use SCHED_FIFO" >&2; exit 2; }
	rt="chrt -f 10"
fi
