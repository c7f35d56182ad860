/* cli_sample: commands being written. */
#include "mentor/cli.h"
int cli_sample(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'sample' is not available yet");
}
int cli_init(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'init' is not available yet");
}
