/**
 * Loads that show clients, sessions or notes call `depends(PRACTICE)`; the live connection
 * invalidates it when any of them changes, so exactly those loads run again.
 */
export const PRACTICE = 'app:practice';
