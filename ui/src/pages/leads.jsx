import { comingSoon } from '../components/ComingSoon.jsx';

export default comingSoon({
  id: 'leads',
  title: 'Leads',
  icon: 'leads',
  summary: 'Fit and engagement scoring, lifecycle stages, routing and SLA.',
  cli: 'mops leads --help',
});
