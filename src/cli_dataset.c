/* cli_dataset: commands being written. */
#include "mentor/cli.h"
int cli_import(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'import' is not available yet");
}
int cli_datasets(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'datasets' is not available yet");
}
int cli_items(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'items' is not available yet");
}
int cli_show(struct cli *c, int argc, char **argv)
{
	return cli_error(c, CLI_ERR, "command 'show' is not available yet");
}
