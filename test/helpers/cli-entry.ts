// Runs the CLI from source (the installed bin runs the same main() from dist/).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
