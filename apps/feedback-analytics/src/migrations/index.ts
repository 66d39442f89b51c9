import { AnalyticsSchema1732147200000 } from './1732147200000-analytics-schema';
import { Webhooks1732406400000 } from './1732406400000-webhooks';
import { ReadModels1732838400000 } from './1732838400000-read-models';
import { ReadModelReverts1732924800000 } from './1732924800000-read-model-reverts';
import { RevenueSales1797033600000 } from './1797033600000-revenue-sales';

/** feedback-analytics' migrations, in order (an explicit list: TOOLCHAIN.md pitfall 6). */
export const analyticsMigrations = [AnalyticsSchema1732147200000, Webhooks1732406400000, ReadModels1732838400000, ReadModelReverts1732924800000, RevenueSales1797033600000];
