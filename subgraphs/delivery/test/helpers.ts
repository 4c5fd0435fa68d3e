export * from '@baemin/platform/testing';
