; Prints three lines to a Centronics printer on the user port, wired as a geoCable is:
; PB0-PB7 carry the data, PA2 is /STROBE (pulsed low per byte) and /FLAG2 is BUSY (its fall,
; the printer ready again, sets CIA2's FLAG bit). No KERNAL calls: the program drives CIA2
; itself, then returns (RTS), which ends the run.
;
; ca65 -t c64 turns "Hello" into PETSCII $C8 $45 $4C $4C $4F; after CHR$(17) the printer is in
; lower/upper case, where that prints as "Hello".

        .export start

CI2PRA  = $DD00         ; CIA2 port A: bit 2 is PA2
CI2PRB  = $DD01         ; CIA2 port B: the user port's PB0-PB7
C2DDRA  = $DD02
C2DDRB  = $DD03
CI2ICR  = $DD0D         ; interrupt control: bit 4 is FLAG (read clears it)

start:  lda #$FF
        sta C2DDRB      ; PB0-PB7 are outputs
        lda CI2PRA
        ora #$04
        sta CI2PRA      ; PA2 high (no strobe) before it becomes an output
        lda C2DDRA
        ora #$04
        sta C2DDRA
        lda CI2ICR      ; forget any FLAG from before
        ldx #0
next:   lda text,x
        beq done
        jsr send
        inx
        bne next
done:   rts

; Sends A: data on port B, a low pulse on /STROBE, then waits for BUSY to fall.
send:   sta CI2PRB
        lda CI2PRA
        and #$FB
        sta CI2PRA      ; /STROBE low: the printer latches the data
        ora #$04
        sta CI2PRA      ; /STROBE high
wait:   lda CI2ICR
        and #$10
        beq wait        ; no FLAG yet: the printer is still busy
        rts

text:   .byte $11                                   ; lower/upper case
        .byte "Hello from the C64 user port", 13
        .byte "Centronics via geoCable: 0123456789", 13
        .byte "MIXED Case, digits 42 & (punctuation)!", 13
        .byte 0
