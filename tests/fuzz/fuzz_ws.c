/* fuzz_ws: the batch import harness's workspace (fuzz_ws.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ws.h"
#include "mentor/store.h"

static void die(const char *err)
{
	fprintf(stderr, "fuzz setup: %s\n", err);
	abort();
}

void fuzz_ws_create(const char *db, struct config *cfg, struct teacher_opts *o, int64_t *ds,
		    const char *requests)
{
	static const char conf[] = "[defaults]\nk = 0\nretries = 0\n[provider fake]\n"
				   "type = openai\nbase_url = http://127.0.0.1:9/v1\n"
				   "model = fake-model\nprice_in = 1.5\nprice_out = 3\n";
	static const struct {
		const char *q, *choices, *answer, *type;
	} items[] = {
		{"What is 3 plus 4?", NULL, "7", "number"},
		{"Which is a star?",
		 "[{\"label\":\"A\",\"text\":\"the sun\"},"
		 "{\"label\":\"B\",\"text\":\"the moon\"}]",
		 "A", "mc"},
		{"Is ice cold?", NULL, "yes", "yesno"},
	};
	char err[MENTOR_ERR_LEN];
	config_init(cfg);
	if (config_parse(cfg, conf, strlen(conf), "fuzz", NULL, err))
		die(err);
	struct store *st = store_open(db, err);
	if (!st || store_dataset_upsert(st, "fuzz", "fuzz", "generic", NULL, ds, err))
		die(err);
	int64_t ids[3];
	for (int i = 0; i < 3; i++) {
		char ext[16];
		snprintf(ext, sizeof ext, "f-%d", i);
		struct store_item it;
		memset(&it, 0, sizeof it);
		it.dataset_id = *ds;
		it.split = "train";
		it.ext_id = ext;
		it.question = (char *)items[i].q;
		it.choices_json = (char *)items[i].choices;
		it.answer = (char *)items[i].answer;
		it.answer_type = (char *)items[i].type;
		if (store_item_upsert(st, &it, err))
			die(err);
		ids[i] = it.id;
	}
	store_close(st);
	teacher_opts_init(o);
	o->db_path = db;
	o->cfg = cfg;
	o->provider = "fake";
	o->modes = TEACHER_ALL;
	o->stream = 0;
	o->k = 0;
	o->prompts_dir = "/nonexistent/mentor-prompts";
	if (requests && teacher_batch_export(o, ids, 3, requests, NULL, err))
		die(err);
}
