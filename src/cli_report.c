/* cli_report: commands being written. */
#include "mentor/cli.h"
int cli_report(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'report' is not available yet");
}
int cli_export(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'export' is not available yet");
}
