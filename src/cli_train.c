/* cli_train: commands being written. */
#include "mentor/cli.h"
int cli_train(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'train' is not available yet");
}
int cli_runs(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'runs' is not available yet");
}
int cli_eval(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'eval' is not available yet");
}
int cli_predict(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'predict' is not available yet");
}
int cli_stop(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'stop' is not available yet");
}
