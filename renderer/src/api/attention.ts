/** The navigation's counts (attention.counts): the core counts for the signed-in user; the page shows them. */
import { useEffect, useState } from 'react';
import type { ApiClient } from './client';
import type { SubEvent } from './contract';

export type AttentionCounts = SubEvent<'attention.counts'>;

export function useAttentionCounts(api: ApiClient): AttentionCounts | null {
  const [counts, setCounts] = useState<AttentionCounts | null>(null);
  useEffect(() => api.subscribe('attention.counts', {}, setCounts), [api]);
  return counts;
}
