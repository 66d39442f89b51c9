/** A UTC calendar day, `YYYY-MM-DD`. */
export const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
