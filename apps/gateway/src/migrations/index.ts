import { GatewaySchema1732061000000 } from './1732061000000-gateway-schema';
import { BuilderKeys1732924800000 } from './1732924800000-builder-keys';
import { IdempotencyKeys1796600000000 } from './1796600000000-idempotency-keys';
import { DashboardSessions1796601600000 } from './1796601600000-dashboard-sessions';

/** The gateway's migrations, in order (an explicit list: TOOLCHAIN.md pitfall 6). */
export const gatewayMigrations = [GatewaySchema1732061000000, BuilderKeys1732924800000, IdempotencyKeys1796600000000, DashboardSessions1796601600000];
