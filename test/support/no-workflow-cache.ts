// Setup of the `workflow-nocache` jest project: workers of the workflow specs keep no
// workflow in cache (see workerCacheOptions), so every workflow task replays its history.
process.env.WORKFLOW_CACHE_SIZE = '0';
