/* cli_teacher: commands being written. */
#include "mentor/cli.h"
int cli_explain(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'explain' is not available yet");
}
int cli_explanations(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'explanations' is not available yet");
}
int cli_calls(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'calls' is not available yet");
}
int cli_review(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'review' is not available yet");
}
