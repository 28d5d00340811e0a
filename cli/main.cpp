// rkctl entry point: thin; all commands live in rk_cli.
#include "ringkeeper/cli/rkctl.h"

int main(int argc, char** argv) { return rk::cli::run(argc, argv); }
