import 'reflect-metadata';
import { runApiKeyCliMain } from './apikey-cli';

// `npm run apikey -- create|list|revoke` (dist/apps/gateway/src/cli/apikey.main.js).
runApiKeyCliMain();
