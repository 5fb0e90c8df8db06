import { comingSoon } from '../components/ComingSoon.jsx';

export default comingSoon({
  id: 'stack',
  title: 'Tech stack',
  icon: 'stack',
  summary: 'Tools, costs, overlap, integrations and renewals.',
  cli: 'mops stack --help',
});
