import { runService } from '@baemin/platform';
import { start } from './server.js';

await runService(start);
