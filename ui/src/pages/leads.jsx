import { comingSoon } from '../components/ComingSoon.jsx';

export default comingSoon({
  id: 'leads',
  title: 'Leads',
  icon: 'leads',
  summary: 'Fit and engagement scoring, lifecycle stages, routing and SLA.',
  plan:
    'This page will score each lead on fit and engagement, show where it stands in the lifecycle, and route it to an owner with a response-time SLA.',
});
