#!/bin/sh
# llama_mem: peak memory of full fine-tuning at Qwen2.5-0.5B's shape (24
# layers, hidden 896, 14 query heads sharing 2 key/value heads of 64, MLP
# 4864, vocabulary 151,936, tied head, q/k/v biases; 494,032,768 parameters)
# with random weights, float32 and AdamW: bench/llama_bench with and without
# gradient checkpointing and frozen embedding/head, and PyTorch
# (bench/torch_llama.py, the tests' reference decoder, torch.optim.AdamW) for
# the same model and batch with the same threads. Each run is its own
# process, one at a time, of STEPS training steps; prints the model's memory
# by use (parameters, gradients, moments, activations, scratch) and the peak
# RSS of each run, then a table.
# Usage: bench/llama_mem.sh [LLAMA_BENCH_BINARY]
# Environment: SHAPES ("1x256 4x256 1x1024": batch x sequence length), MODES
# ("plain ckpt freeze ckpt+freeze"), TORCH_MODES ("plain"; "" for none),
# STEPS (2), THREADS (2), LAYERS (the config's 24; fewer for a quick try).
set -u
here=$(cd "$(dirname "$0")" && pwd)
name=llama_mem
. "$here/llama_env.sh"
shapes=${SHAPES:-"1x256 4x256 1x1024"}
modes=${MODES:-"plain ckpt freeze ckpt+freeze"}
tmodes=${TORCH_MODES-"plain"}
steps=${STEPS:-2}
threads=${THREADS:-2}
layers=${LAYERS:-}
if [ -n "$tmodes" ] && ! "$py" -c 'import torch' 2>/dev/null; then
	echo "llama_mem: python3-torch missing (apt-get install -y python3-torch); mentor only" >&2
	tmodes=""
fi
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
. "$here/blas_env.sh"
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
# Qwen2.5-0.5B's config.json (its keys and values; the weights are random)
cat >"$dir/config.json" <<'EOF'
{
  "architectures": ["Qwen2ForCausalLM"],
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151643,
  "hidden_act": "silu",
  "hidden_size": 896,
  "initializer_range": 0.02,
  "intermediate_size": 4864,
  "max_position_embeddings": 32768,
  "max_window_layers": 24,
  "model_type": "qwen2",
  "num_attention_heads": 14,
  "num_hidden_layers": 24,
  "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0,
  "sliding_window": 32768,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": 151936
}
EOF
echo "OMP_NUM_THREADS=$threads OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-default} nice=$(nice)" \
	"steps=$steps layers=${layers:-24}"
res="$dir/res"
out="$dir/out"
: >"$res"
val() { sed -n "s/^RESULT.* $1=\([0-9.]*\).*/\1/p; s/^RESULT $1=\([0-9.]*\).*/\1/p" "$out" | head -n 1; }

for s in $shapes; do
	b=${s%x*} t=${s#*x}
	for m in $modes; do
		flags=""
		case "$m" in
		plain) ;;
		ckpt) flags="--checkpointing" ;;
		freeze) flags="--freeze-embeddings" ;;
		ckpt+freeze) flags="--checkpointing --freeze-embeddings" ;;
		*) echo "llama_mem: unknown mode '$m'" >&2; exit 2 ;;
		esac
		echo "== mentor $m, batch $b x $t ($(date -u +%H:%M) UTC)"
		# shellcheck disable=SC2086
		"$bin" --config "$dir/config.json" ${layers:+--layers "$layers"} --batch "$b" \
			--ctx "$t" --steps "$steps" --warmup 0 --threads "$threads" --probe-ms 0 \
			--decode-tokens 0 $flags >"$out" 2>&1 ||
			{ cat "$out"; echo "llama_mem: llama_bench failed" >&2; exit 1; }
		grep -E '^(step|memory)' "$out" | sed 's/^/    /'
		echo "mentor $m $s $(val rss_mib) $(val params_mib) $(val grads_mib)" \
			"$(val moments_mib) $(val acts_mib) $(val scratch_mib)" \
			"$(val train_tokens_per_s)" >>"$res"
	done
	for m in $tmodes; do
		case "$m" in
		plain) flags="" ;;
		freeze) flags="--freeze-embeddings" ;;
		*) echo "llama_mem: unknown PyTorch mode '$m'" >&2; exit 2 ;;
		esac
		echo "== PyTorch $m, batch $b x $t ($(date -u +%H:%M) UTC)"
		# shellcheck disable=SC2086
		"$py" "$here/torch_llama.py" --config "$dir/config.json" \
			${layers:+--layers "$layers"} --batch "$b" --ctx "$t" --steps "$steps" \
			--warmup 0 --threads "$threads" --probe-ms 0 $flags >"$out" 2>&1 ||
			{ cat "$out"; echo "llama_mem: torch_llama.py failed" >&2; exit 1; }
		grep -E '^(step|peak)' "$out" | sed 's/^/    /'
		echo "torch $m $s $(val rss_mib) - - - - - $(val torch_tokens_per_s)" >>"$res"
	done
done

echo
echo "| Qwen2.5-0.5B shape, float32, AdamW, $threads threads | batch | peak RSS (MiB) |" \
	"parameters | gradients | moments | activations | scratch | tokens/s |"
echo "|---|---|---|---|---|---|---|---|---|"
awk '{ split($3, bt, "x"); who = $1 == "torch" ? "PyTorch" : "mentor"
	printf "| %s %s | %s x %s | %s | %s | %s | %s | %s | %s | %s |\n", who, $2, bt[1], bt[2],
		$4, $5, $6, $7, $8, $9, $10 }' "$res"
