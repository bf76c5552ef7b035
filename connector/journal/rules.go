package journal

import "fmt"

// checkTransition guards the one thing the journal must never let happen
// whatever the engine does: forgetting a charged card. A confirmed attempt
// can only be recorded, and a recorded one never changes state again.
// Everything may move towards Confirmed, since Compago's word that the card
// was charged wins over what we believed (a late poll after expiry, a cancel
// that meets "already confirmed"). The rest of the state machine is the
// engine's.
func checkTransition(from, to State) error {
	if !to.Valid() {
		return fmt.Errorf("%w: unknown state %q", ErrInvalid, to)
	}
	if from == to {
		return nil
	}
	switch from {
	case Confirmed:
		if to != Recorded {
			return fmt.Errorf("%w: a confirmed payment can only become recorded, not %s", ErrTransition, to)
		}
	case Recorded:
		return fmt.Errorf("%w: a recorded payment stays recorded, not %s", ErrTransition, to)
	}
	return nil
}

// checkUpdate reports what fn changed that only the store may change.
func checkUpdate(before, after Attempt) error {
	type field struct {
		name    string
		changed bool
	}
	for _, f := range []field{
		{"ID", before.ID != after.ID},
		{"OrderID", before.OrderID != after.OrderID},
		{"Seq", before.Seq != after.Seq},
		{"ExternalID", before.ExternalID != after.ExternalID},
		{"Version", before.Version != after.Version},
		{"SyncedVersion", before.SyncedVersion != after.SyncedVersion},
		{"SyncFailures", before.SyncFailures != after.SyncFailures},
		{"CreatedAt", !before.CreatedAt.Equal(after.CreatedAt)},
		{"UpdatedAt", !before.UpdatedAt.Equal(after.UpdatedAt)},
		{"SyncedAt", !before.SyncedAt.Equal(after.SyncedAt)},
		{"Settled", before.Settled != after.Settled},
		{"SettledAt", !before.SettledAt.Equal(after.SettledAt)},
		{"SettledBy", before.SettledBy != after.SettledBy},
		{"SettleNote", before.SettleNote != after.SettleNote},
	} {
		if f.changed {
			return fmt.Errorf("%w: %s of attempt %d", ErrImmutable, f.name, before.ID)
		}
	}
	if after.Amount < 0 {
		return fmt.Errorf("%w: negative amount %d", ErrInvalid, after.Amount)
	}
	if before.IntentID != "" && after.IntentID != before.IntentID {
		return fmt.Errorf("%w: IntentID of attempt %d is already %s", ErrImmutable, before.ID, before.IntentID)
	}
	return checkTransition(before.State, after.State)
}

// checkInsert validates an attempt adopted from elsewhere.
func checkInsert(a Attempt) error {
	switch {
	case a.ID != 0:
		return fmt.Errorf("%w: the journal assigns the id, got %d", ErrInvalid, a.ID)
	case a.OrderID <= 0:
		return fmt.Errorf("%w: order id %d", ErrInvalid, a.OrderID)
	case a.Seq < 1:
		return fmt.Errorf("%w: attempt number %d", ErrInvalid, a.Seq)
	case a.ExternalID == "":
		return fmt.Errorf("%w: empty external id", ErrInvalid)
	case !a.State.Valid():
		return fmt.Errorf("%w: unknown state %q", ErrInvalid, a.State)
	case a.Amount < 0:
		return fmt.Errorf("%w: negative amount %d", ErrInvalid, a.Amount)
	case a.Version < 0 || a.SyncedVersion < 0 || a.SyncedVersion > max(a.Version, 1):
		return fmt.Errorf("%w: synced version %d beyond version %d", ErrInvalid, a.SyncedVersion, a.Version)
	}
	return nil
}

// parkUnknown keeps an unknown outcome for attention until a human settles
// it: the intent may exist at Compago, perhaps charged, and no one else
// will look. The store applies it to every write, so no caller can forget
// it or clear Attention by mistake.
func parkUnknown(a *Attempt) {
	if a.State == Unknown && a.Settled == "" {
		a.Attention = true
	}
}

// unparkKnown clears the attention parkUnknown set once an unsettled
// attempt leaves Unknown: its outcome is known again (a late create
// answer reopened it, a late charge confirmed it), and what it needs from
// then on sets attention anew.
func unparkKnown(before Attempt, after *Attempt) {
	if before.State == Unknown && before.Settled == "" && after.State != Unknown {
		after.Attention = false
	}
}
