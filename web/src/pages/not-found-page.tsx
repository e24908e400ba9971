/** Any other path: say so, and offer the way back. */
import { PageHeading } from '../components/page-heading.js';
import { Link } from '../router.js';

export function NotFoundPage() {
  return (
    <div class="card">
      <header class="card-header">
        <PageHeading title="Page not found">Page not found</PageHeading>
        <p class="lead">There’s nothing at this address.</p>
      </header>
      <Link class="button button-primary" href="/">
        Go to sign-in
      </Link>
    </div>
  );
}
