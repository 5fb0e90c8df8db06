import { comingSoon } from '../components/ComingSoon.jsx';

export default comingSoon({
  id: 'analytics',
  title: 'Analytics',
  icon: 'analytics',
  summary: 'Channel performance, campaign ROI, funnel, velocity, CAC and cohorts.',
  plan:
    'This page will report channel performance, campaign ROI, funnel conversion and velocity, acquisition cost and cohorts.',
});
