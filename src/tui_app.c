/* tui_app: commands being written. */
#include "mentor/cli.h"
#include <stdio.h>
int cli_tui(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'tui' is not available yet");
}
