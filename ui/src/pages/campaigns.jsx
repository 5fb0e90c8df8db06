import { comingSoon } from '../components/ComingSoon.jsx';

export default comingSoon({
  id: 'campaigns',
  title: 'Campaigns',
  icon: 'campaigns',
  summary: 'Campaign hierarchy, UTM governance, approvals, QA and budgets.',
  plan:
    'This page will organise campaigns into a hierarchy, check their UTM tags against a naming convention, and track approvals, QA and budgets.',
});
