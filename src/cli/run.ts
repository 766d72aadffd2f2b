import { main } from './main.js';
import { ignoreClosedPipe } from './output.js';

ignoreClosedPipe(process.stdout);
process.exitCode = await main(process.argv);
