/** The node template renderers: Karpenter manifests, Auto Scaling policy, and the packer's filter. */
export * from './asg';
export * from './karpenter';
export * from './packing-filter';
