/* train_int.h: what train's sources share and nothing else uses: the
 * llama_config fields a configuration and a checkpoint record
 * (train_config.c), the batch builder (train_data.c) and the run directory
 * and process checks (train_run.c) that the loop in train.c also uses. */
#ifndef MENTOR_TRAIN_INT_H
#define MENTOR_TRAIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mentor/train.h"
#include "mentor/util.h"

/* ------------------------------------------------------------ configuration */

/* One llama_config field by name and offset. */
struct train_llama_field {
	const char *name;
	size_t off;
};
/* The llama_config fields a run's configuration and checkpoint record, in
 * the order of the checkpoint (train.h): the integers, then the reals. */
extern const struct train_llama_field train_llama_ints[];
extern const size_t train_n_llama_ints;
extern const struct train_llama_field train_llama_reals[];
extern const size_t train_n_llama_reals;

static inline int *train_llama_int(struct llama_config *l, size_t i)
{
	return (int *)((char *)l + train_llama_ints[i].off);
}

static inline double *train_llama_real(struct llama_config *l, size_t i)
{
	return (double *)((char *)l + train_llama_reals[i].off);
}

/* ------------------------------------------------------------ batches */

/* Fill a batch from the chosen examples (pick[0..B)), padding with pad; the
 * answer targets share the weight w_ans_total and the explanation targets
 * w_exp_total. 0, or MENTOR_ERR with err set. */
int train_batch_fill(struct train_batch *out, const struct train_example *const *pick, int B,
		     int32_t pad, double w_ans_total, double w_exp_total, char *err);
/* A token id to pad a batch of s with. */
int32_t train_pad_id(const struct train_set *s);
/* Draw B sequences of s into pick (pointers into s, borrowed): the answers
 * first (all of them for a single task), then the explanations. Returns the
 * number of answers. */
int train_pick_examples(const struct train_set *s, int multi, struct rng *r, int B,
			const struct train_example **pick);

/* ------------------------------------------------------------ runs */

/* 1 if path names a regular file. */
int train_file_exists(const char *path);
/* Create <db>.runs/<id>; fills dir with its path. 0, or MENTOR_ERR with err. */
int train_make_run_dir(const char *db_path, int64_t run_id, struct buf *dir, char *err);
/* 1 if a process with that id lives (or exists under another user). */
int train_pid_alive(int64_t pid);

#endif
