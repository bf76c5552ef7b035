package connector

import "fmt"

// The cashier's sentences for an order that names a Compago intent this
// connector did not create (see followForeign).

func msgForeignPending() string {
	return "This order names a card payment the connector did not start. It is being checked; if the card is charged, the back office must confirm it before the order counts as paid."
}

func msgForeignCharged(intentID string) string {
	return fmt.Sprintf("Compago says payment %s was charged, but the connector did not start it, so it was not added to this order. The back office must check that charge before this order counts as paid; do not charge the card again until they have.", intentID)
}

func msgForeignNotFound() string {
	return "Compago does not know the payment this order names; nothing was charged through it. Request the payment again."
}

func msgForeignInvalid() string {
	return "This order names something that is not a Compago payment; nothing was charged through it. Request the payment again."
}

func msgForeignOtherOrder() string {
	return "This order names the card payment of another order; it was not added here. Request the payment again, or ask the back office."
}
