/** What a page may ask of a native dialog: checked in main (and in the test harness) before use. */
import { z } from 'zod';

const filters = z
  .array(z.object({ name: z.string().max(100), extensions: z.array(z.string().regex(/^[A-Za-z0-9*._-]{1,20}$/)).max(20) }).strict())
  .max(10);
export const chooseFileOptions = z
  .object({ title: z.string().max(200).optional(), kind: z.enum(['file', 'folder']).optional(), filters: filters.optional() })
  .strict();
export const chooseSaveFileOptions = z
  .object({
    title: z.string().max(200).optional(),
    // A bare file name: the page suggests a name, never a folder.
    defaultName: z
      .string()
      .max(255)
      .regex(/^[^/\\\0]+$/)
      .optional(),
    filters: filters.optional(),
  })
  .strict();
